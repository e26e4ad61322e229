"""The access API: requests and their decisions, grants, a product's consumers."""
