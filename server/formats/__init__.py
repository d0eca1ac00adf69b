"""Readers and writers of the SDMX message formats."""
