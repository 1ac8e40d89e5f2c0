"""The review book: what oncologists read, sign and compare. `netguide book --out DIR` writes a static site from the
rule files, the scenarios, the review inventory and the review's text. One job per module: context (each quote in its
paragraph of the review), model (every page's content as data), render (jinja2 templates and Markdown into files),
command (the CLI's arguments and run). Sign-off lives with the rule files (rulebook.signoff), the impact of an edit
with the proving tools (proving.impact); the book shows both.
"""
