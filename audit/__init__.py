"""The append-only audit log: who changed what, when, with the diff, written in the writer's transaction."""
