"""An HTTP service on 127.0.0.1 served from a background thread: the shape the
metadata emulator and the EC2 proxy share."""
import http.server
import socketserver
import threading


class ThreadedServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128


class LoopbackService:
    """Subclasses set self.port (0 = any free port), self.server = None,
    self.thread = None and give _make_handler() and thread_name."""

    thread_name = "http"

    def start(self):
        self.server = ThreadedServer(("127.0.0.1", self.port), self._make_handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name=self.thread_name,
                                       kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        srv, self.server = self.server, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None
