"""Intake reads what survey tools export (Google Forms, Microsoft Forms, Kobo/ODK, LimeSurvey, Qualtrics, spreadsheets) and matches their columns and answer labels to the framework's items.
It hands the assessment one tidy table of responses, with a report of every row read, kept or refused.
"""
