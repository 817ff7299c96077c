"""smtp_sink.py - aiosmtpd handler for the integration tests (SmtpSink.pm).

Plain: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR
STARTTLS and AUTH (aiosmtpd's command line has neither):
      python3 smtp_sink.py DIR PORT CERT KEY USER:PASSWORD
  requires STARTTLS, then AUTH PLAIN/LOGIN with that user and password.
Each accepted message becomes one JSON file in DIR (written to a temporary
name, then renamed, so a reader never sees half a message):
{"mail_from": ..., "rcpt_tos": [...], "data": "<the message>",
 "tls": true|false, "login": "user"|null}.
A recipient whose local part starts with "reject" gets a permanent 550, so
the tests can provoke the mailer's 5xx handling; for one starting with
"slow" the reply to DATA comes after 2 s (a mail being sent while the
mailer is told to stop).
"""
import asyncio
import itertools
import json
import os
import ssl
import sys
import time


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count()

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error('smtp_sink.Sink takes one argument: the directory')
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address.lower().startswith('reject'):
            return '550 5.1.1 mailbox unavailable'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        if any(r.lower().startswith('slow') for r in envelope.rcpt_tos):
            await asyncio.sleep(2)
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'replace')
        name = '%020d-%06d-%d' % (time.time_ns(), next(self.counter),
                                  os.getpid())
        tmp = os.path.join(self.directory, '.' + name)
        with open(tmp, 'w', encoding='utf-8') as fh:
            # What the authenticator accepted (a LoginPassword), if any.
            login = getattr(session, 'auth_data', None)
            login = getattr(login, 'login', login)
            if isinstance(login, bytes):
                login = login.decode('utf-8', 'replace')
            elif not isinstance(login, str):
                login = None
            json.dump({'mail_from': envelope.mail_from,
                       'rcpt_tos': envelope.rcpt_tos, 'data': data,
                       'tls': session.ssl is not None,
                       'login': login}, fh)
        os.rename(tmp, os.path.join(self.directory, name + '.json'))
        return '250 Message accepted for delivery'


def _main(directory, port, cert, key, credentials):
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    user, password = credentials.split(':', 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = Sink(directory)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname='localhost', tls_context=ctx,
                     require_starttls=True, auth_required=True,
                     auth_require_tls=True, authenticator=authenticator,
                     loop=loop),
        host='127.0.0.1', port=int(port)))
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == '__main__':
    _main(*sys.argv[1:6])
