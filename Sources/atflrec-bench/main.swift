print("atflrec-bench: no benchmarks yet")
