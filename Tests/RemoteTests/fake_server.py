"""Servers that misbehave, for the remote engine's tests: each listens on
127.0.0.1, prints its port on the first line, and serves until killed.

  silent     accepts connections and never answers
  cut        answers a chat request with the start of a stream, then closes
  long-line  answers with one event line of 4 MiB and no line break
  not-json   answers with events that are not JSON
"""
import socket
import sys
import threading

mode = sys.argv[1]

HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Connection: close\r\n\r\n"
)


def chunk(content):
    return (
        b'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"'
        + content
        + b'"},"finish_reason":null}]}\n\n'
    )


def read_request(connection):
    data = b""
    while b"\r\n\r\n" not in data:
        part = connection.recv(65536)
        if not part:
            return None
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        part = connection.recv(65536)
        if not part:
            break
        body += part
    return head


def serve(connection):
    held.append(connection)
    if mode == "silent":
        return
    if read_request(connection) is None:
        return
    if mode == "cut":
        connection.sendall(HEAD + chunk(b"Remote words ") + chunk(b"that stop"))
    elif mode == "long-line":
        connection.sendall(HEAD + b"data: " + b"x" * (4 << 20))
    elif mode == "not-json":
        connection.sendall(HEAD + b"data: <html>nothing here</html>\n\n")
    connection.close()


held = []
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
while True:
    accepted, _ = listener.accept()
    threading.Thread(target=serve, args=(accepted,), daemon=True).start()
