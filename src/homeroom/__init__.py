"""Homeroom: chronic absence, found early."""

__version__ = "0.1.0"
