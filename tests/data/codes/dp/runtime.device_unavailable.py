import csv

# Read fresh samples straight from the board's serial port.
with open("/dev/ttyACM0") as port:
    rows = [line.strip().split(",") for line in port]
