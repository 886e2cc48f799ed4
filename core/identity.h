#pragma once
// Who a verified connect token speaks for (DESIGN §2 `role`), shared by token, ACL and plugin.
namespace amo {

enum class Role : unsigned char { user, service };

}  // namespace amo
