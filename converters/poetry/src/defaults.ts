// Canonical public endpoints of the Python Package Index. The only place they are written.

/** PyPI's Simple API (PEP 503/691) base, with the trailing slash the spec uses. */
export const PYPI_SIMPLE = 'https://pypi.org/simple/';

/** Other spellings of PyPI's simple index that lockfiles carry (an explicit PyPI source is `legacy`). */
export const PYPI_SIMPLE_ALIASES: readonly string[] = ['https://pypi.org/simple', 'https://pypi.python.org/simple/', 'https://pypi.python.org/simple'];

/** Accept header asking for PEP 691 JSON first, PEP 503 HTML second. */
export const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
