"""Work done after the ack: the inbox worker, the processors it runs, and the scheduler."""
