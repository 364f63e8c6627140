"""Publish turns the evaluation into a public transparency report: staff trained and sessions held by department, role and cycle with the organisation's true totals, the four levels as aggregates, language access and commitments in themes.
Small groups are withheld, further cells are withheld so that none can be worked out from the totals, and a linear-programming audit proves it before anything is written; it hands the community an HTML page, a PDF and the published tables as CSV, and the facilitator the audit.
"""
