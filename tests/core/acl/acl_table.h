#pragma once
// The decision table of DESIGN §3 as rows, shared by the table test and the no-allocation test.
#include <string>
#include <vector>

#include "core/acl/check.h"

namespace amo::acl::test {

struct Row {
  amo::Role role;
  Access access;
  std::string topic;
  int qos;
  bool retain;
  Status want;
};

// User "U" of tenant "A" in threads T1..T5; service "relay" of tenant "system".
Subject user_subject();
Subject service_subject();
const std::vector<Row>& acl_table();

}  // namespace amo::acl::test
