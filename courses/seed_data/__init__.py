"""Seed content for the three つながりサポーター courses: adult, staff and children.

Each module defines one ``COURSE`` dict that ``seed_content`` loads. All text is
written by the project in its own words from the facts in ``shared/DOMAIN.md``.
"""
