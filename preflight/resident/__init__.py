"""The optional resident process of the pre-push hook: one per work tree, started on demand.

A plain hook run spends most of its time importing preflight (about 0.3 s of a 0.9 s push on
click). With `preflight hook install --resident` the hook asks a process that has already
imported everything (`protocol` names its socket and the key that must match, `client` is the
hook's side and imports only the standard library, `preflight.cli.serve` the server). Every
answer is computed from the repository as it is at that moment, exactly as a plain run would;
when no server answers, or it runs other code than this install, the hook runs plainly.
"""
