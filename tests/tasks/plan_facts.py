"""Facts of 嘉府发〔2023〕2号 that several test modules check, as printed in its attachment."""

TASK_TITLES = {
    1: "发展数字广告新型业态",
    2: "加强数字广告技术应用与数据支撑",
    3: "打造数字广告创意设计高地",
    4: "促进数字广告知识产权创造和标准建设",
    5: "促进数字广告产业集聚发展",
    6: "发挥产业集聚链条带动效应",
    7: "推动数字广告国内外交流合作",
    8: "联动长三角数字广告一体化发展",
    9: "加强数字广告人才队伍建设",
    10: "鼓励对数字广告业提供金融服务",
    11: "加强数字领域公益广告宣传",
}

# Measures per task, in task order; task 10 prints (1) and (3) only.
MEASURE_COUNTS = [5, 2, 5, 4, 3, 9, 3, 2, 4, 2, 3]

# Jiading's twelve 街镇: 3 街道, 7 镇 and the two management committees at town level.
TWELVE_JIEZHEN = {
    "新成路街道",
    "真新街道",
    "嘉定镇街道",
    "南翔镇",
    "安亭镇",
    "马陆镇",
    "徐行镇",
    "华亭镇",
    "外冈镇",
    "江桥镇",
    "菊园新区管委会",
    "工业区管委会",
}
