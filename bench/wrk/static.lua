-- GET of the static file given as the URL: nginx alone, our ceiling.
wrk.method = "GET"
