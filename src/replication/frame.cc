#include "replication/frame.h"

namespace mhero::sync {

Status FrameChannel::send(const Message& message) { return send(std::span(&message, 1)); }

Status FrameChannel::send(std::span<const Message> messages) {
  std::string frames;
  for (const Message& message : messages) {
    std::string body = encode(message);
    if (body.size() > max_) {
      return resource_exhausted(std::string(message_name(message)) + " frame of " + std::to_string(body.size()) +
                                " bytes exceeds the frame cap of " + std::to_string(max_));
    }
    uint32_t len = static_cast<uint32_t>(body.size());
    for (int shift = 24; shift >= 0; shift -= 8) frames.push_back(static_cast<char>((len >> shift) & 0xff));
    frames += body;
  }
  MHERO_RETURN_IF_ERROR(stream_.write_all(std::span(reinterpret_cast<const uint8_t*>(frames.data()), frames.size())));
  sent_ += messages.size();
  return {};
}

Result<Message> FrameChannel::receive() {
  uint8_t header[4];
  MHERO_RETURN_IF_ERROR(stream_.read_exact(header));
  size_t len = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) | (size_t{header[2]} << 8) | header[3];
  if (len > max_) {
    return resource_exhausted("incoming frame of " + std::to_string(len) + " bytes exceeds the frame cap of " +
                              std::to_string(max_) + " ([sync] frame_bytes_max)");
  }
  std::string body(len, '\0');
  MHERO_RETURN_IF_ERROR(stream_.read_exact(std::span(reinterpret_cast<uint8_t*>(body.data()), len)));
  ++received_;
  return decode(body);
}

}  // namespace mhero::sync
