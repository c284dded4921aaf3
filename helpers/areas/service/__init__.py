"""After-sales and service (售后与服务): refunds, reviews and their phrases, fulfilment, customer service, DSR.

Modules: ``scope`` (the notebook's options and the data's end), ``refunds`` and ``flags``
(refund figures, abnormal products), ``reviews`` and ``phrases`` (ratings, what bad reviews
say), ``fulfilment`` (shipping speed, what late parcels cost), ``chats`` (customer service),
``dsr`` (the shop's ratings and their drivers), ``findings`` (the rules that turn those
figures into advice), ``sentences``, ``tables`` and ``charts`` (the report in each language)
and ``explore`` (the Explore section).
"""
