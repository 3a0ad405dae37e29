"""The local stack's stand-in for the outbox stream's consumer and the scheduled email retry.

As deployed, the outbox table's stream hands each new message to `send_emails` at once, and `retry_emails` sends
the messages whose first attempt failed, every minute. Here one process does both: every half second it reads the
outbox table's stream in the AWS emulator and sends what each new record shows waiting, with the deployed consumer's
`message_waiting_in`; every few seconds it sends whatever else is due, as the retry does.

Reading the stream costs the emulator the same whatever the table holds. Asking the table's `waiting` index every
half second, as this process did before, made the emulator (which has no real indexes) read the whole table each
time: 3.5 % of a core for an outbox of 800 messages, per stack.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from welt import bootstrap
from welt.adapters.dynamodb.outbox import message_waiting_in
from welt.adapters.tables import OUTBOX
from welt.bootstrap import wiring
from welt.config import caps, settings
from welt.services.notifications import MessageNotSentError, deliver_due, deliver_now

logger = Logger(service="welt-email-retry")


class OutboxStream:
    """The outbox table's stream from now on, shard by shard (moto keeps one per table; a closed one is dropped)."""

    def __init__(self, table: Any, region: str) -> None:
        self._streams = boto3.client("dynamodbstreams", region_name=region)
        self._arn = table.latest_stream_arn
        self._iterators: dict[str, str] = {}
        for shard in self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]

    def new_records(self) -> list[dict[str, Any]]:
        records = []
        for shard, iterator in list(self._iterators.items()):
            answer = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            records += answer["Records"]
            if answer.get("NextShardIterator"):
                self._iterators[shard] = answer["NextShardIterator"]
            else:
                del self._iterators[shard]
        return records

    @property
    def open(self) -> bool:
        return bool(self._iterators)


def send_new(stream: OutboxStream) -> int:
    """What the deployed `send_emails` does with a batch: send each message a record shows waiting."""
    sent = 0
    for record in stream.new_records():
        message_id = message_waiting_in(DynamoDBRecord(record), wiring.now())
        if message_id is None:
            continue
        try:
            deliver_now(wiring.outbox(), wiring.mailer(), message_id, wiring.now, caps().emails_per_brand_hour)
            sent += 1
        except MessageNotSentError:  # deployed, the record fails and comes again; here the retry sends it when due
            logger.warning("email not sent", extra={"message_id": message_id})
    return sent


def send_due() -> int:
    """What the deployed `retry_emails` does."""
    return deliver_due(wiring.outbox(), wiring.mailer(), wiring.now, per_brand_hour=caps().emails_per_brand_hour)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between reads of the stream")
    parser.add_argument("--retry-every", type=float, default=5.0, help="seconds between runs of the retry")
    parser.add_argument("--once", action="store_true", help="run the retry once and exit")
    args = parser.parse_args()
    if args.once:
        logger.info("retried emails", extra={"sent": send_due()})
        return
    stream: OutboxStream | None = None
    retried_at = 0.0
    while True:
        try:
            if stream is None or not stream.open:  # first, then after a failed read: what the stream held meanwhile is due
                stream = OutboxStream(bootstrap.table(OUTBOX), settings().region)
                retried_at = 0.0
            sent = send_new(stream)
            if time.monotonic() - retried_at >= args.retry_every:
                sent += send_due()
                retried_at = time.monotonic()
            if sent:
                logger.info("sent emails", extra={"sent": sent})
        except Exception:  # the emulator may be going away; the next run tries again
            logger.exception("email run failed")
            stream = None
        time.sleep(args.every)


if __name__ == "__main__":
    main()
