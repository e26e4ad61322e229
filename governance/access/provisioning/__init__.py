"""Provisioning: make an access grant real on the platform serving the port, and undo it when it ends."""
