"""Settings: ``base`` reads everything from the environment; ``test`` tunes it for the suite."""
