"""The embedded default's Celery broker: kombu's SQLAlchemy transport on its own SQLite file.

kombu's filesystem transport lets the worker take a message file before its writer has filled it (kombu
issue #1551); the worker then dies on a JSONDecodeError. SQLite transactions do not have that problem, but
kombu's SQLAlchemy channel needs three things for one file that the web server, beat and the worker share
(bench/broker.py shows the first two; the third is kombu issue #276 and its many reports):

- WAL and a busy timeout, so a publish waits for the worker's read instead of failing "database is locked";
- processes that start together race to create the tables and the queue row; the loser's CREATE or INSERT
  fails. It looks again and uses the winner's;
- a delivered message stays in the table as an invisible row forever (the request-log drain alone publishes
  17,000 a day). It is deleted once taken: kombu never reads an invisible row again.

Its URL is splp+sqlite:///<file> (splp/settings.py; the "splp" alias is registered in splp/celery.py).
"""

from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection, _record):
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self):
        engine = super()._engine_from_config()
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _open(self):
        # Each table is created by its own statement: a second process may lose on either one.
        for _ in range(len(kombu_sqla.metadata.tables)):
            try:
                return super()._open()
            except OperationalError as exc:
                if "already exists" not in str(exc):
                    raise
        return super()._open()

    def _get_or_create(self, queue):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:  # another process inserted the queue row first
            self.session.rollback()
            return super()._get_or_create(queue)

    def _get(self, queue):
        payload = super()._get(queue)  # the row is now invisible, committed
        self.session.query(self.message_cls).filter(self.message_cls.visible.is_(False)).delete()
        self.session.commit()
        return payload


class Transport(kombu_sqla.Transport):
    Channel = Channel
