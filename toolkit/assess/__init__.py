"""Assess turns responses and team context into each team's competency scores, gaps to its role's targets and priorities, under the privacy rule, with the needs-assessment report and Voila app.
It hands planning ``assessment.json``: the results, withheld figures as null.
"""
