"""Autograding of `code` questions: cases -> sandbox -> verdicts -> reports."""
