// The control protocol between the remote target and `synack agent`: serialization round trips,
// framing across partial reads, and an agent served over a socketpair in this process.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "targets/remote/agent.h"
#include "targets/remote/protocol.h"

namespace synack::remote {
namespace {

TEST(RemoteProtocol, SocketCallRoundTripsEveryField) {
  targets::SocketCall c;
  c.op = targets::SysOp::SetSockOpt;
  c.name = "setsockopt";
  c.fd = 4;
  c.domain = AF_INET6;
  c.type = SOCK_STREAM;
  c.protocol = IPPROTO_TCP;
  c.address = *net::IpAddress::parse("2001:db8::1");
  c.port = 8080;
  c.has_address = true;
  c.backlog = 5;
  c.length = 1000;
  c.msg_flags = MSG_PEEK;
  c.data = {0x83, 0x0b, 0x00, 0xff};
  c.how = SHUT_WR;
  c.level = IPPROTO_TCP;
  c.optname = TCP_NODELAY;
  c.int_value = -7;
  c.linger_seconds = 3;
  c.fcntl_cmd = F_SETFL;
  c.fcntl_arg = O_NONBLOCK;
  c.poll_events = POLLIN | POLLOUT;
  c.poll_timeout_ms = 250;
  auto back = call_from_json(Json::parse(to_json(c).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(c));
  EXPECT_EQ(back->address, c.address);
  EXPECT_EQ(back->data, c.data);
  EXPECT_EQ(back->op, c.op);
}

TEST(RemoteProtocol, CallResultRoundTripsOptionalFields) {
  targets::CallResult r;
  r.ret = -1;
  r.err = ECONNRESET;
  r.data = {1, 2, 3};
  r.int_value = 42;
  r.tcp_info = {{"tcpi_state", 1}, {"tcpi_rto", 200000}};
  r.revents = POLLHUP;
  auto back = result_from_json(to_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->ret, -1);
  EXPECT_EQ(back->err, ECONNRESET);
  EXPECT_EQ(back->data, r.data);
  EXPECT_EQ(back->int_value, 42);
  EXPECT_FALSE(back->linger_seconds);
  EXPECT_EQ(back->tcp_info, r.tcp_info);
  EXPECT_EQ(back->revents, POLLHUP);
}

TEST(RemoteProtocol, MalformedCallsAreErrors) {
  EXPECT_FALSE(call_from_json(Json{{"op", 1}}).ok());
  Json j = to_json(targets::SocketCall{});
  j["op"] = 99;
  EXPECT_FALSE(call_from_json(j).ok());
  j = to_json(targets::SocketCall{});
  j["data"] = "abc";
  EXPECT_FALSE(call_from_json(j).ok());
}

TEST(RemoteProtocol, FramesSurvivePartialReads) {
  auto bytes = frame(Json{{"type", "a"}});
  auto more = frame(Json{{"type", "b"}, {"n", 2}});
  bytes.insert(bytes.end(), more.begin(), more.end());
  MessageReader reader;
  std::vector<std::string> types;
  for (auto b : bytes) {  // one octet at a time
    reader.feed(&b, 1);
    while (auto m = reader.next()) types.push_back(m->value("type", ""));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"a", "b"}));
}

// Reads messages from `fd` until one of `type` arrives (1 s at most).
std::optional<Json> await(int fd, MessageReader& reader, const std::string& type) {
  for (int i = 0; i < 100; ++i) {
    while (auto m = reader.next()) {
      if (m->value("type", "") == type) return m;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 10);
    if (!reader.read_from(fd)) return std::nullopt;
  }
  return std::nullopt;
}

// The agent over a socketpair in this process: hello, calls, a shell line, then hang-up. Only a
// socket that is never bound or connected is created, so the host's network is untouched.
TEST(RemoteProtocol, AgentAnswersCallsAndShellLines) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  std::thread agent([fd = pair[1]] {
    EXPECT_TRUE(serve_agent(fd).ok());
    ::close(fd);
  });
  const int fd = pair[0];
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  MessageReader reader;
  auto hello = await(fd, reader, "hello");
  ASSERT_TRUE(hello);
  EXPECT_FALSE(hello->value("version", "").empty());

  targets::SocketCall c;
  c.op = targets::SysOp::Socket;
  c.domain = AF_INET;
  c.type = SOCK_STREAM;
  c.protocol = IPPROTO_TCP;
  ASSERT_TRUE(send_message(fd, Json{{"type", "call"}, {"call", to_json(c)}}).ok());
  auto outcome = await(fd, reader, "outcome");
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->value("pending", true));
  auto socket_result = result_from_json(outcome->at("result"));
  ASSERT_TRUE(socket_result.ok());
  ASSERT_GE(socket_result->ret, 0);

  c = {};
  c.op = targets::SysOp::GetSockOpt;
  c.fd = static_cast<int>(socket_result->ret);
  c.level = SOL_TCP;
  c.optname = TCP_INFO;
  ASSERT_TRUE(send_message(fd, Json{{"type", "call"}, {"call", to_json(c)}}).ok());
  outcome = await(fd, reader, "outcome");
  ASSERT_TRUE(outcome);
  auto info = result_from_json(outcome->at("result"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->tcp_info.at("tcpi_state"), TCP_CLOSE);

  ASSERT_TRUE(send_message(fd, Json{{"type", "shell"}, {"command", "true"}}).ok());
  auto shell = await(fd, reader, "shell_done");
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->value("error", "?"), "");
  ASSERT_TRUE(send_message(fd, Json{{"type", "shell"}, {"command", "exit 3"}}).ok());
  shell = await(fd, reader, "shell_done");
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->value("error", ""), "exit status 3");

  ::close(fd);  // the agent ends when the injector hangs up, closing the sockets it opened
  agent.join();
  EXPECT_LT(::fcntl(static_cast<int>(socket_result->ret), F_GETFD), 0);
}

}  // namespace
}  // namespace synack::remote
