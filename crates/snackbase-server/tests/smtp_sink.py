"""A real SMTP server for tests: accepts every message on 127.0.0.1:PORT and
writes each one, as received, to DIR/<n>.eml. Runs until killed."""

import asyncio
import pathlib
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = self.directory / f"{self.count:04d}.eml"
        tmp = path.with_suffix(".tmp")
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\n".encode()
        tmp.write_bytes(header + envelope.content)
        tmp.rename(path)
        return "250 OK"


def main() -> None:
    port = int(sys.argv[1])
    directory = pathlib.Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    (directory / "ready").write_text("ok")
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
