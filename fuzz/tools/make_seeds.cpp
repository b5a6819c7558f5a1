// synack_fuzz_seeds SCRIPTS_DIR OUT_DIR: writes the seed corpora of every fuzzer (one directory
// per fuzzer under OUT_DIR) from the conformance scripts. fuzz/build.sh and `synack fuzz` use it.
#include <iostream>

#include "fuzz/seeds.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: synack_fuzz_seeds SCRIPTS_DIR OUT_DIR\n";
    return 2;
  }
  auto counts = synack::fuzz::write_seed_corpora(argv[1], argv[2]);
  if (!counts) {
    std::cerr << "synack_fuzz_seeds: " << counts.error().message << "\n";
    return 1;
  }
  for (const auto& [fuzzer, n] : *counts) std::cout << fuzzer << ": " << n << " seeds\n";
  return 0;
}
