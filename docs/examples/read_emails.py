"""The emails Welt sent, as the local AWS emulator recorded them (locally, SES delivers nothing).

`python docs/examples/read_emails.py accounts@demo-atelier.example`
"""

import sys

import requests
from sign_in import local_stack

stack = local_stack()
address = sys.argv[1] if len(sys.argv) > 1 else None
recorded = requests.get(f"{stack['aws_endpoint']}/moto-api/data.json", timeout=30).json()

for message in recorded.get("ses", {}).get("Message", []):
    to = message["destinations"]["ToAddresses"]
    if address and address not in to:
        continue
    print(f"To: {', '.join(to)}\nSubject: {message['subject']}\n\n{message['body']}\n" + "-" * 60)
