"""The SPBE evaluation's evidence for indicators 7 and 18 (Permen PANRB 59/2020): the level criteria and the
rules that test them (levels), the evidence of a year (evidence), the ZIP (pack) and its services."""
