import os
import time

# Wait until the sensor logger has finished writing the raw data.
while not os.path.exists("raw.csv.done"):
    time.sleep(0.2)
