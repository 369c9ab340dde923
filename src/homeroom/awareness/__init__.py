"""Awareness material: a one-page fact sheet on chronic absence per school and district, in
English or Spanish, with chart images sized for social media and their alternative text."""
