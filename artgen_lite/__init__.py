"""artgen-lite: the helper package of the course book on generative models in genomics.

Each chapter first shows an idea inline and then uses the version kept here; every public
function says in its docstring which chapter explains it.
"""

__version__ = "0.1.0"
