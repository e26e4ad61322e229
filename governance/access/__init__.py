"""Access to data products: requests, their decisions and history, and the grants they create."""
