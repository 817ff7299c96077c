"""smtp_sink.py - aiosmtpd handler for the integration tests (SmtpSink.pm).

Run as: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR
Each accepted message becomes one JSON file in DIR (written to a temporary
name, then renamed, so a reader never sees half a message):
{"mail_from": ..., "rcpt_tos": [...], "data": "<the message>"}.
A recipient whose local part starts with "reject" gets a permanent 550, so
the tests can provoke the mailer's 5xx handling.
"""
import itertools
import json
import os
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
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'replace')
        name = '%020d-%06d-%d' % (time.time_ns(), next(self.counter),
                                  os.getpid())
        tmp = os.path.join(self.directory, '.' + name)
        with open(tmp, 'w', encoding='utf-8') as fh:
            json.dump({'mail_from': envelope.mail_from,
                       'rcpt_tos': envelope.rcpt_tos, 'data': data}, fh)
        os.rename(tmp, os.path.join(self.directory, name + '.json'))
        return '250 Message accepted for delivery'
