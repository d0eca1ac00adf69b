"""Typed queries shared by both REST generations, and the parsing of their parts."""

from server.query.queries import DataQuery, StructureQuery

__all__ = ["DataQuery", "StructureQuery"]
