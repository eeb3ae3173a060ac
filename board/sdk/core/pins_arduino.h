// Virtual Nano 33 BLE Sense SDK (autopilot): pin numbers of the Nano 33 BLE Sense.
#pragma once

#define PINS_COUNT (35u)
#define NUM_DIGITAL_PINS (22u)
#define NUM_ANALOG_INPUTS (8u)
#define NUM_ANALOG_OUTPUTS (0u)

#define PIN_A0 (14u)
#define PIN_A1 (15u)
#define PIN_A2 (16u)
#define PIN_A3 (17u)
#define PIN_A4 (18u)
#define PIN_A5 (19u)
#define PIN_A6 (20u)
#define PIN_A7 (21u)
#ifdef __cplusplus
static const uint8_t A0 = PIN_A0;
static const uint8_t A1 = PIN_A1;
static const uint8_t A2 = PIN_A2;
static const uint8_t A3 = PIN_A3;
static const uint8_t A4 = PIN_A4;
static const uint8_t A5 = PIN_A5;
static const uint8_t A6 = PIN_A6;
static const uint8_t A7 = PIN_A7;
#endif
#define ADC_RESOLUTION 12

#define D0 (0u)
#define D1 (1u)
#define D2 (2u)
#define D3 (3u)
#define D4 (4u)
#define D5 (5u)
#define D6 (6u)
#define D7 (7u)
#define D8 (8u)
#define D9 (9u)
#define D10 (10u)
#define D11 (11u)
#define D12 (12u)
#define D13 (13u)

#define LEDR (22u)
#define LEDG (23u)
#define LEDB (24u)
#define LED_PWR (25u)
#define LED_BUILTIN (13u)
#define PIN_LED (13u)

#define PIN_INT_APDS (26u)
#define PIN_ENABLE_SENSORS_3V3 (32u)
#define PIN_ENABLE_I2C_PULLUP (33u)

#define PIN_WIRE_SDA (18u)
#define PIN_WIRE_SCL (19u)
#define PIN_WIRE_SDA1 (30u)
#define PIN_WIRE_SCL1 (31u)
#define SDA PIN_WIRE_SDA
#define SCL PIN_WIRE_SCL

#define PIN_SPI_MISO (12u)
#define PIN_SPI_MOSI (11u)
#define PIN_SPI_SCK (13u)
#define PIN_SPI_SS (10u)
#define SS PIN_SPI_SS
#define MOSI PIN_SPI_MOSI
#define MISO PIN_SPI_MISO
#define SCK PIN_SPI_SCK

#define PIN_PDM_PWR (27u)
#define PIN_PDM_CLK (28u)
#define PIN_PDM_DIN (29u)

#define SERIAL_HOWMANY 1
#define SERIAL_CDC 1
#define WIRE_HOWMANY 2
#define SPI_HOWMANY 1
