"""HTTP load benchmark of ``kensaku serve`` with wrk (see ``__main__``)."""
