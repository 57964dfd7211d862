"""The HTTP side: the Starlette app, its routes, settings and the `yimaqing` command line."""
