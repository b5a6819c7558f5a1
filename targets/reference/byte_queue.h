// ByteQueue: a FIFO of bytes that allocates nothing while empty (an idle connection's buffers
// cost only their bookkeeping) and consumes from the front in O(1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace synack::reference {

class ByteQueue {
 public:
  std::size_t size() const { return bytes_.size() - head_; }
  bool empty() const { return size() == 0; }

  void append(std::span<const std::uint8_t> data) {
    if (head_ > 0 && head_ >= bytes_.size() / 2) compact();
    bytes_.insert(bytes_.end(), data.begin(), data.end());
  }

  // Drops the first `n` bytes (n <= size()).
  void consume(std::size_t n) {
    head_ += n;
    if (head_ >= bytes_.size()) clear();
  }

  // Appends `n` bytes starting `offset` bytes from the front to `out`.
  void copy_to(std::size_t offset, std::size_t n, std::vector<std::uint8_t>& out) const {
    const auto* p = bytes_.data() + head_ + offset;
    out.insert(out.end(), p, p + n);
  }

  std::uint8_t at(std::size_t offset) const { return bytes_[head_ + offset]; }

  // Empties the queue; keeps a small allocation for reuse, releases a large one.
  void clear() {
    head_ = 0;
    bytes_.clear();
    if (bytes_.capacity() > kKeepCapacity) std::vector<std::uint8_t>().swap(bytes_);
  }

 private:
  static constexpr std::size_t kKeepCapacity = 4096;

  void compact() {
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  std::vector<std::uint8_t> bytes_;
  std::size_t head_ = 0;  // bytes_[0, head_) are consumed
};

}  // namespace synack::reference
