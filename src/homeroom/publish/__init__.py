"""The public site (issue 16 point 3): state, district and school pages with their CSVs.

`publish.site.publish(request, out)` computes every cell once from the metrics layer, suppresses
them (`reports.complementary`), and writes a static site: no server, no script.
"""
