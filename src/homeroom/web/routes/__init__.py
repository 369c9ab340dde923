"""The app's pages, one module a group."""
