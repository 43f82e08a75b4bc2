// Needs a GLIBCXX_3.4.2x version: std::string's C++11 ABI symbols and
// std::from_chars(double) (GLIBCXX_3.4.29) from libstdc++.so.6.
#include <charconv>
#include <string>

extern "C" double parse_double(const char *text, unsigned long size) {
    double value = 0;
    std::from_chars(text, text + size, value);
    return value + std::stod(std::string(text, size));
}
