"""Stage 7, report: render results as JSON, terminal text and Markdown."""
