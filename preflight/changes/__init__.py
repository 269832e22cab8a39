"""Stage 1, changes: from two revisions to every changed file and function.

- revisions: which base and head (explicit refs, the GitHub event, pre-push ranges);
- changeset: the changed files, parsed on both sides, and their classified functions;
- sources, definitions, signatures, tokens, statements: parsing one version of a file;
- matching, module_level: pairing and classifying its functions and module statements.
"""
