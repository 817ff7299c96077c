/*
 * fcgi_io.h - the only place that speaks libfcgi: copies the params of one
 * request into the arena, reads the body (bounded), runs the dispatcher and
 * writes the response, and ends the request.
 */
#ifndef CEXUP_FCGI_IO_H
#define CEXUP_FCGI_IO_H

#include <fcgiapp.h>

struct app;

void	fcgi_handle(struct app *, FCGX_Request *);
void	fcgi_finish(FCGX_Request *);

#endif
