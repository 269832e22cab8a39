from pkg.nested import tool

tool()
