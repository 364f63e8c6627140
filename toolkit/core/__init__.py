"""The ground every step stands on: the competency framework, team context, the privacy rule, file reading and safe writing, errors, paths, configuration and translations.
It imports no step of the loop; every step imports it.
"""
