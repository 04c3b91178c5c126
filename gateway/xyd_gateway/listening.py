"""Memory a gateway process may trust only while a subscription keeps it current.

Two things in the gateway remember answers between requests and learn by subscription when those answers
change: which sessions are revoked (access.RevocationWatch, a Redis channel) and the public pages
(page_cache.PageCache, the event bus). Both follow one rule: memory is used only while the subscription
is confirmed live; when it starts or ends, everything remembered is void (a new generation), and a
listener that lost its subscription reconnects with back-off while requests go the uncached way.

Each process starts its listener on first use: gunicorn forks its workers after loading the app, and a
thread started before the fork would not exist in them.
"""

import logging
import threading

log = logging.getLogger(__name__)


class Subscription:
    """A background listener and the generation of what its process remembers."""

    name = "subscription"
    # What ends a subscription (it is then started again after a pause): the subclass's client errors.
    connection_errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self):
        self._lock = threading.Lock()
        self._live = False
        self._generation = 0  # bumped whenever memory becomes void: older answers must not be kept
        self._thread: threading.Thread | None = None
        self.stop = threading.Event()

    @property
    def live(self) -> bool:
        return self._live

    def ensure_started(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._listen_forever, name=self.name, daemon=True)
                    self._thread.start()

    def forget(self) -> None:
        """Drop what is remembered (called with the lock held)."""

    def _void(self) -> None:
        """A new generation (called with the lock held)."""
        self._generation += 1
        self.forget()

    def _set_live(self, live: bool) -> None:
        with self._lock:
            self._live = live
            self._void()

    def _listen_forever(self) -> None:
        delay = 0.5
        while not self.stop.is_set():
            try:
                self._listen()
            except self.connection_errors as exc:
                log.warning("%s lost (%s); answering without memory until it is back", self.name,
                            exc.__class__.__name__)
            self._set_live(False)
            self.stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _listen(self) -> None:
        """Subscribe, call `_set_live(True)` once subscribed, and handle messages until `stop` is set or
        the connection fails (raise one of `connection_errors`)."""
        raise NotImplementedError
