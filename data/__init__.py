"""Bundled source data and the loaders that turn it into SDMX observations."""
