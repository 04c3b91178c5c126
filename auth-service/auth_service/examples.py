"""Request examples of the OpenAPI document: realistic, and accepted by the API as they stand except
for what no document can fix (an SMS code just sent, a fresh phone or USCC, a token, an id) — the
end-to-end test tests-e2e/test_api_examples.py fills those in and sends every example."""

SMS_CODE_REQUEST = {"phone": "13912345678", "purpose": "login"}
LOGIN = {"phone": "13912345678", "password": "Xuchang-Loan-2026", "sms_code": "246810"}
REGISTER = {"phone": "13912345678", "sms_code": "246810", "password": "Weidu-Steel#2026",
            "contact_name": "王建国", "enterprise_name": "许昌魏都精密制造有限公司",
            "uscc": "91411002MA45L8XK1L", "region_code": "411002"}
REFRESH = {"refresh_token": "Qk1yWm9ZbmF0aG9uZ2VyLXJlZnJlc2gtdG9rZW4tZXhhbXBsZQ"}
PROFILE_UPDATE = {"name": "王建国", "email": "wangjianguo@weidu-precision.cn"}
CHANGE_PASSWORD = {"old_password": "111111", "new_password": "Xuchang-Loan-2026"}
RESET_PASSWORD = {"phone": "13912345678", "sms_code": "246810", "new_password": "Spring-Lotus-Pond-88"}
# Multipart form fields; a file part's example names the file a client attaches there (the bytes cannot
# stand in a document).
VERIFICATION_UPLOAD = {"legal_representative": "王建国", "licence": "营业执照.pdf"}
VERIFICATION_REJECT = {"reason": "营业执照照片模糊，无法辨认统一社会信用代码，请重新上传清晰的扫描件"}
REGION_CREATE = {"code": "411004", "name": "许昌市示范区", "parent_code": "411000"}
INSTITUTION_CREATE = {"name": "中原银行许昌分行", "type": "bank", "region_code": "411000",
                      "uscc": "91411000MA40X3K95M", "contact_name": "李敏", "contact_phone": "13803745566"}
INSTITUTION_UPDATE = {"contact_name": "赵磊", "contact_phone": "13803749911"}
STAFF_USER_CREATE = {"phone": "13803741234", "name": "刘洋"}
GOVERNMENT_USER_CREATE = {"phone": "13603742345", "name": "陈静", "region_code": "411002"}
INSTITUTION_APPLICATION = {"sms_code": "386514", "name": "许昌魏都农村商业银行股份有限公司", "type": "bank",
                           "uscc": "91411000MA45RK3T2L", "region_code": "411002", "address": "许昌市魏都区七一路88号",
                           "contact_name": "李娜", "contact_phone": "13937455210", "licence_no": "B1234H241100001",
                           "description": "立足魏都、服务小微，主营小微企业流动资金贷款与普惠金融业务"}
INSTITUTION_APPLICATION_REJECT = {"reason": "金融许可证编号与营业执照不一致，请核对后重新申请"}
