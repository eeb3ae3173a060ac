rows = []
with open("raw.csv") as f:
    next(f)
    for line in f:
        red, green, blue, clear, proximity, label = line.strip().split(";")
        rows.append((int(red), int(green), int(blue), label))
