"""Shared library of the 信易贷 platform: one place for what every service does alike."""
