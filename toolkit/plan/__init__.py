"""Plan fits a session to each team's gaps, role, format and time from the catalog, and runs the planning notebook for every team in batch (papermill, one warm kernel per worker).
It hands participants a handout with the reflection link and facilitators a guide; each plan's session id and competencies are what the reflection form asks about.
"""
